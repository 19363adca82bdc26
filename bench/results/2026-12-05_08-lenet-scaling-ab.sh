#!/bin/bash
J="nice java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1"
S="-XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,org.convnet4j.*::*,0.1"
for i in 1 2 3; do
  echo "plain $i: $($J -cp /tmp/s17/jarB.jar org.convnet4j.bench.LeNetSteps 8 100 2>/dev/null | tail -1)"
  echo "scaled $i: $($J $S -cp /tmp/s17/jarB.jar org.convnet4j.bench.LeNetSteps 8 100 2>/dev/null | tail -1)"
done
