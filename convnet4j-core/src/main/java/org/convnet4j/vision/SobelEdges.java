package org.convnet4j.vision;

import org.convnet4j.tensor.Tensor;

/**
 * The result of {@link ImageFilters#sobelEdges}: horizontal and vertical derivative approximations, the
 * gradient magnitude {@code sqrt(gx^2 + gy^2)} and direction {@code atan2(gy, gx)} in radians, all with the
 * same shape (one grey channel).
 */
public record SobelEdges(Tensor gx, Tensor gy, Tensor magnitude, Tensor direction) {
}
