"""Reading the security page's QR code back as a phone would: the inline <svg> rendered to
PNG by rsvg-convert (librsvg2-bin), the PNG decoded here (zlib and the PNG filters of the
standard library), and the code read by zbar (python3-zbar)."""
import re
import struct
import subprocess
import zlib


def svg_of(html):
    m = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert m, "no inline <svg> in the page"
    return m.group(0)


def png_gray(png):
    """(width, height, bytes of 8-bit gray) from an 8-bit RGB/RGBA/gray PNG, no interlace."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and interlace == 0 and color in (0, 2, 4, 6)
            bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line[::bpp]))   # the first channel: gray, or red of an opaque pixel
        prev = line
    return w, h, b"".join(rows)


def decode_qr(html):
    """The text of the page's QR code."""
    png = subprocess.run(["rsvg-convert", "-f", "png", "-b", "white"], input=svg_of(html).encode(),
                         capture_output=True, check=True, timeout=60).stdout
    w, h, gray = png_gray(png)
    import zbar
    scanner = zbar.ImageScanner()
    scanner.parse_config("enable")
    image = zbar.Image(w, h, "Y800", gray)
    scanner.scan(image)
    found = [s.data for s in image]
    if len(found) != 1:
        with open("/tmp/usher-qr-failed.svg", "w") as f:
            f.write(svg_of(html))
    assert len(found) == 1, (found, w, h)
    data = found[0]
    return data.decode() if isinstance(data, bytes) else data
