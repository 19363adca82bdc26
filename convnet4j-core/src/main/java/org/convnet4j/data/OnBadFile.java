package org.convnet4j.data;

/** What a dataset does with a file it cannot use (unreadable, corrupt, empty, wrong shape after the transform). */
public enum OnBadFile {
    /** Leave it out and record it (see {@link ImageFolderDataset#skipped()}). */
    SKIP,
    /** Stop with an exception naming the file and the problem. */
    FAIL
}
