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
 * @param unsupported the feature OpenCV would decode differently from PIL (so the file is refused), or null
 * @param animated an animated PNG: OpenCV may return another frame than PIL's first (the default image)
 */
record ImageHeader(String format, long width, long height, boolean damaged, String unsupported, boolean animated) {

    ImageHeader(String format, long width, long height, boolean damaged) {
        this(format, width, height, damaged, null, false);
    }

    /** The formats recognised here; anything else is refused before OpenCV sees it (no dimension check otherwise). */
    static final String SUPPORTED = "JPEG, PNG, GIF, BMP, WebP, TIFF";

    /** The header of a recognised format, or null when the bytes match none of them (OpenCV may still know it). */
    static ImageHeader probe(byte[] b) {
        if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return png(b);
        if (startsWith(b, 0xFF, 0xD8)) return jpeg(b);
        if (startsWith(b, 'G', 'I', 'F', '8')) return gif(b);
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
        boolean animated = false;
        int i = 8;
        while (i + 12 <= b.length) {
            long length = be32(b, i);
            if (length > b.length - i - 12L) break;
            int data = (int) length;
            // Every chunk's CRC: PIL refuses a file with any bad CRC it reads (libpng only the critical ones).
            crc.reset();
            crc.update(b, i + 4, 4 + data);
            if (crc.getValue() != be32(b, i + 8 + data)) return new ImageHeader("png", width, height, true);
            animated |= isChunk(b, i, "acTL");
            if (isChunk(b, i, "IEND")) return new ImageHeader("png", width, height, false, null, animated);
            i += 12 + data;
        }
        return new ImageHeader("png", width, height, true);
    }

    private static boolean isChunk(byte[] b, int at, String type) {
        for (int k = 0; k < 4; k++) if (b[at + 4 + k] != type.charAt(k)) return false;
        return true;
    }

    /**
     * The PNG without its animation chunks (acTL, fcTL, fdAT): the default image alone, which is PIL's first
     * frame whether or not it is part of the animation. Only for a file {@link #probe} found intact.
     */
    static byte[] withoutAnimation(byte[] b) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(b.length);
        out.write(b, 0, 8);
        for (int i = 8; i + 12 <= b.length; ) {
            int size = 12 + (int) be32(b, i);
            if (!isChunk(b, i, "acTL") && !isChunk(b, i, "fcTL") && !isChunk(b, i, "fdAT")) out.write(b, i, size);
            if (isChunk(b, i, "IEND")) break;
            i += size;
        }
        return out.toByteArray();
    }

    /**
     * Walks the blocks up to the first image's data and checks they are complete. Refuses a transparent
     * colour: OpenCV gives transparent pixels as black, where PIL's convert("RGB") keeps the palette colour.
     */
    private static ImageHeader gif(byte[] b) {
        if (b.length < 13) return cut("gif");
        long width = le16(b, 6), height = le16(b, 8);
        int i = 13;
        if ((b[10] & 0x80) != 0) i += 3 << ((b[10] & 7) + 1);  // global colour table
        boolean transparent = false;
        while (i < b.length) {
            int block = b[i] & 0xFF;
            if (block == 0x21) {  // extension: label, then sub-blocks
                if (i + 1 >= b.length) break;
                if ((b[i + 1] & 0xFF) == 0xF9 && i + 3 < b.length) transparent |= (b[i + 3] & 1) != 0;  // graphic control
                i = skipSubBlocks(b, i + 2);
                if (i < 0) break;
            } else if (block == 0x2C) {  // image descriptor, local table, LZW minimum code size, data sub-blocks
                if (i + 10 > b.length) break;
                int flags = b[i + 9] & 0xFF;
                i += 10;
                if ((flags & 0x80) != 0) i += 3 << ((flags & 7) + 1);
                i = i + 1 < b.length ? skipSubBlocks(b, i + 1) : -1;
                if (i < 0) break;
                String unsupported = transparent ? "GIF transparency (a transparent colour index)" : null;
                return new ImageHeader("gif", width, height, false, unsupported, false);
            } else {
                break;
            }
        }
        return new ImageHeader("gif", width, height, true);
    }

    /** The index after a chain of sub-blocks (ended by a zero-length one), or -1 when the data ends first. */
    private static int skipSubBlocks(byte[] b, int i) {
        while (i < b.length) {
            int size = b[i] & 0xFF;
            if (size == 0) return i + 1;
            i += 1 + size;
        }
        return -1;
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

    /**
     * Dimensions, and a file long enough for its uncompressed rows (libpng-like refusal of a cut file, as PIL
     * does; OpenCV fills the rest). OS/2 1.x headers and bit-field layouts decode differently from PIL: refused.
     */
    private static ImageHeader bmp(byte[] b) {
        if (b.length < 26) return cut("bmp");
        long dib = le32(b, 14);
        if (dib == 12) return new ImageHeader("bmp", le16(b, 18), le16(b, 20), false, "BMP with an OS/2 1.x header", false);
        if (dib < 40 || b.length < 34) return cut("bmp");
        long width = Math.abs((long) (int) le32(b, 18)), height = Math.abs((long) (int) le32(b, 22));
        int bits = le16(b, 28);
        long compression = le32(b, 30);
        if (compression == 3 || compression == 6) return new ImageHeader("bmp", width, height, false, "BMP with bit-field colour masks (BI_BITFIELDS)", false);
        long offset = le32(b, 10);
        boolean damaged = false;
        if (compression == 0 && bits > 0) {
            long rowBytes = (width * bits + 31) / 32 * 4;
            damaged = offset + rowBytes * height > b.length;
        }
        return new ImageHeader("bmp", width, height, damaged);
    }

    private static ImageHeader webp(byte[] b) {
        if (b.length < 30 || le32(b, 4) + 8 > b.length) return cut("webp");
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
                return cut("webp");
        }
    }

    /**
     * Width (tag 256), height (257) and the sample layout of the first IFD. Sample sizes other than 1, 8 and 16
     * bits (libtiff gives 12-bit samples unscaled), and 16-bit samples stored plane by plane (OpenCV returns
     * nondeterministic pixels), are refused; so are strips that end beyond the file.
     */
    private static ImageHeader tiff(byte[] b) {
        boolean little = b[0] == 'I';
        if (b.length < 8) return cut("tiff");
        long ifd = u32(b, 4, little);
        if (ifd + 2 > b.length) return cut("tiff");
        int entries = u16(b, (int) ifd, little);
        long width = -1, height = -1, planar = 1;
        long[] bits = {1}, offsets = {}, counts = {};
        for (int e = 0; e < entries; e++) {
            long at = ifd + 2 + 12L * e;
            if (at + 12 > b.length) return new ImageHeader("tiff", width, height, true);
            int p = (int) at;
            int tag = u16(b, p, little);
            long[] values = tiffValues(b, p, little);
            if (values == null) return new ImageHeader("tiff", width, height, true);
            long first = values.length > 0 ? values[0] : -1;
            switch (tag) {
                case 256 -> width = first;
                case 257 -> height = first;
                case 258 -> bits = values;
                case 273 -> offsets = values;
                case 279 -> counts = values;
                case 284 -> planar = first;
                default -> { }
            }
        }
        if (width < 0 || height < 0) return new ImageHeader("tiff", width, height, true);
        for (int k = 0; k < Math.min(offsets.length, counts.length); k++) {
            if (offsets[k] + counts[k] > b.length) return new ImageHeader("tiff", width, height, true);
        }
        for (long v : bits) {
            if (v != 1 && v != 8 && v != 16) return new ImageHeader("tiff", width, height, false, "TIFF with " + v + "-bit samples", false);
            if (v == 16 && planar == 2) return new ImageHeader("tiff", width, height, false, "16-bit TIFF stored plane by plane (PlanarConfiguration=2)", false);
        }
        return new ImageHeader("tiff", width, height, false);
    }

    /** The values of one IFD entry (BYTE, SHORT or LONG; inline or at an offset), null when they lie outside the file. */
    private static long[] tiffValues(byte[] b, int p, boolean little) {
        int type = u16(b, p + 2, little);
        long count = u32(b, p + 4, little);
        int size = type == 1 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 0;
        if (size == 0) return new long[0];
        if (count > 1 << 20) return null;
        long start = count * size <= 4 ? p + 8 : u32(b, p + 8, little);
        if (start + count * size > b.length) return null;
        long[] out = new long[(int) count];
        for (int k = 0; k < count; k++) {
            int at = (int) (start + (long) k * size);
            out[k] = size == 1 ? b[at] & 0xFF : size == 2 ? u16(b, at, little) : u32(b, at, little);
        }
        return out;
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
