# grey 28x28 folder of Fashion-MNIST classes 5-9 from the test set (40 per class), names as make_folders.py
import os, sys
sys.path.insert(0, "/work/wt/issue-12/tools/own-pictures")
import make_folders as m
out, per = sys.argv[1], int(sys.argv[2])
imgs = m.idx("t10k-images-idx3-ubyte.gz"); labels = m.idx("t10k-labels-idx1-ubyte.gz")
count = {}
for img, lab in zip(imgs, labels):
    if lab < 5 or count.get(lab, 0) >= per:
        continue
    d = os.path.join(out, m.NAMES[lab]); os.makedirs(d, exist_ok=True)
    m.png(os.path.join(d, "%04d.png" % count.get(lab, 0)), 28, 28, [img[r * 28:(r + 1) * 28] for r in range(28)], False)
    count[lab] = count.get(lab, 0) + 1
print("wrote", count)
