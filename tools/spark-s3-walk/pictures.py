# stripes pictures (28x28 grey PNG) in class folders: horizontal/ and vertical/
import os, random, struct, sys, zlib
def png(path, rows):
    raw = b''.join(b'\x00' + bytes(r) for r in rows)
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 28, 28, 8, 0, 0, 0, 0)) \
        + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
    open(path, 'wb').write(data)
out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
for cls in ('horizontal', 'vertical'):
    os.makedirs(os.path.join(out, cls), exist_ok=True)
    for i in range(n):
        period, phase = r.randint(3, 6), r.randint(0, 5)
        rows = [[(255 if ((y if cls == 'horizontal' else x) + phase) % period < period // 2 else 0) ^ r.randint(0, 40)
                 for x in range(28)] for y in range(28)]
        png(os.path.join(out, cls, '%s-%d.png' % (cls, i)), rows)
