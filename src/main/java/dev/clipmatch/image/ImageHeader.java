package dev.clipmatch.image;

import java.util.zip.CRC32;

/**
 * What an encoded image's structure says before anything is decoded: the format, the dimensions (to refuse
 * decompression bombs before OpenCV allocates them) and whether the file is damaged. For JPEG, the stream
 * must reach its end marker (libjpeg silently pads a truncated file with grey, where PIL refuses it). For PNG,
 * the chunk structure, the IHDR fields and the CRCs of the critical chunks are checked (libpng rejects a bad
 * critical CRC too, but OpenCV 4.13 can first spend seconds on such a file).
 *
 * @param format short format name ("png", "jpeg", "gif", "bmp", "webp", "tiff")
 * @param width width in pixels as declared, -1 when the header does not say
 * @param height height in pixels as declared, -1 when the header does not say
 * @param damaged true when the data ends early or breaks the format's structure
 */
record ImageHeader(String format, long width, long height, boolean damaged) {

    /** The header of a recognised format, or null when the bytes match none of them (OpenCV may still know it). */
    static ImageHeader probe(byte[] b) {
        if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return png(b);
        if (startsWith(b, 0xFF, 0xD8)) return jpeg(b);
        if (startsWith(b, 'G', 'I', 'F', '8')) return b.length < 10 ? cut("gif") : new ImageHeader("gif", le16(b, 6), le16(b, 8), false);
        if (startsWith(b, 'B', 'M')) return bmp(b);
        if (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') return webp(b);
        if (startsWith(b, 'I', 'I', 42, 0) || startsWith(b, 'M', 'M', 0, 42)) return tiff(b);
        return null;
    }

    /** Walks the chunks up to IEND: lengths within the file, IHDR first and valid, critical chunks' CRCs. */
    private static ImageHeader png(byte[] b) {
        if (b.length < 33 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') return cut("png");
        long width = be32(b, 16), height = be32(b, 20);
        int depth = b[24] & 0xFF, colour = b[25] & 0xFF;
        boolean validDepth = switch (colour) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
        if (!validDepth) return new ImageHeader("png", width, height, true);
        CRC32 crc = new CRC32();
        int i = 8;
        while (i + 12 <= b.length) {
            long length = be32(b, i);
            if (length > b.length - i - 12L) break;
            int data = (int) length;
            boolean critical = (b[i + 4] & 0x20) == 0;  // upper-case first letter
            if (critical) {
                crc.reset();
                crc.update(b, i + 4, 4 + data);
                if (crc.getValue() != be32(b, i + 8 + data)) return new ImageHeader("png", width, height, true);
            }
            if (b[i + 4] == 'I' && b[i + 5] == 'E' && b[i + 6] == 'N' && b[i + 7] == 'D') return new ImageHeader("png", width, height, false);
            i += 12 + data;
        }
        return new ImageHeader("png", width, height, true);
    }

    /** Walks the marker segments (and the entropy-coded data after each SOS) up to EOI. */
    private static ImageHeader jpeg(byte[] b) {
        long width = -1, height = -1;
        int i = 2;
        while (i + 1 < b.length) {
            if ((b[i] & 0xFF) != 0xFF) {  // stray bytes between segments: libjpeg skips them too
                i++;
                continue;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {  // fill byte
                i++;
                continue;
            }
            if (marker == 0xD9) return new ImageHeader("jpeg", width, height, false);
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // standalone markers
                i += 2;
                continue;
            }
            if (i + 3 >= b.length) break;
            int length = be16(b, i + 2);
            if (length < 2) return new ImageHeader("jpeg", width, height, true);
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame && i + 8 < b.length) {
                height = be16(b, i + 5);
                width = be16(b, i + 7);
            }
            i += 2 + length;
            if (marker == 0xDA) {
                // The usual complete file ends with EOI right after its scans: no need to walk the entropy data.
                if (endsWithEoi(b)) return new ImageHeader("jpeg", width, height, false);
                // Scan data: a 0xFF byte is either stuffed (FF 00), a restart marker, or the next marker.
                while (i + 1 < b.length) {
                    if ((b[i] & 0xFF) == 0xFF) {
                        int next = b[i + 1] & 0xFF;
                        if (next != 0x00 && next != 0xFF && (next < 0xD0 || next > 0xD7)) break;
                        i += next == 0xFF ? 1 : 2;
                    } else {
                        i++;
                    }
                }
            }
        }
        return new ImageHeader("jpeg", width, height, true);
    }

    private static boolean endsWithEoi(byte[] b) {
        return b.length >= 4 && (b[b.length - 2] & 0xFF) == 0xFF && (b[b.length - 1] & 0xFF) == 0xD9;
    }

    private static ImageHeader bmp(byte[] b) {
        if (b.length < 26) return cut("bmp");
        long dib = le32(b, 14);
        if (dib == 12) return new ImageHeader("bmp", le16(b, 18), le16(b, 20), false);
        return new ImageHeader("bmp", Math.abs((long) (int) le32(b, 18)), Math.abs((long) (int) le32(b, 22)), false);
    }

    private static ImageHeader webp(byte[] b) {
        if (b.length < 30) return cut("webp");
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        switch (chunk) {
            case "VP8 ":
                return new ImageHeader("webp", le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF, false);
            case "VP8L": {
                long bits = le32(b, 21);
                return new ImageHeader("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, false);
            }
            case "VP8X":
                return new ImageHeader("webp", le24(b, 24) + 1, le24(b, 27) + 1, false);
            default:
                return new ImageHeader("webp", -1, -1, false);
        }
    }

    /** Width (tag 256) and height (tag 257) from the first IFD. */
    private static ImageHeader tiff(byte[] b) {
        boolean little = b[0] == 'I';
        if (b.length < 8) return cut("tiff");
        long ifd = u32(b, 4, little);
        if (ifd + 2 > b.length) return cut("tiff");
        int entries = u16(b, (int) ifd, little);
        long width = -1, height = -1;
        for (int e = 0; e < entries; e++) {
            long at = ifd + 2 + 12L * e;
            if (at + 12 > b.length) return new ImageHeader("tiff", width, height, true);
            int p = (int) at;
            int tag = u16(b, p, little), type = u16(b, p + 2, little);
            long value = type == 3 ? u16(b, p + 8, little) : type == 4 ? u32(b, p + 8, little) : -1;
            if (tag == 256) width = value;
            if (tag == 257) height = value;
        }
        return new ImageHeader("tiff", width, height, false);
    }

    private static ImageHeader cut(String format) {
        return new ImageHeader(format, -1, -1, true);
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if ((b[i] & 0xFF) != prefix[i]) return false;
        return true;
    }

    private static int be16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    private static long be32(byte[] b, int i) {
        return (long) be16(b, i) << 16 | be16(b, i + 2);
    }

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8;
    }

    private static long le24(byte[] b, int i) {
        return le16(b, i) | (long) (b[i + 2] & 0xFF) << 16;
    }

    private static long le32(byte[] b, int i) {
        return le16(b, i) | (long) le16(b, i + 2) << 16;
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? le16(b, i) : be16(b, i);
    }

    private static long u32(byte[] b, int i, boolean little) {
        return little ? le32(b, i) : be32(b, i);
    }
}
