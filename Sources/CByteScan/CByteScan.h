// Sixteen-byte scans for JSONStream's string scanner and the WAL's NDJSON writer, header only (static inline: Swift inlines them into the
// scanner, no call). Swift's SIMD types lower comparisons and masks element by element, so the vector compare
// and the byte mask come from the SSE2 intrinsics (baseline on x86-64); other targets get the same answer from
// a byte loop.
#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i set when byte i of the 16 at `p` needs the JSON string scanner's attention: `"`, `\`, a control
/// byte (below 0x20) or a byte of a multi-byte UTF-8 sequence (0x80 and above). Reads exactly p[0..<16].
static inline __attribute__((always_inline)) uint32_t sluice_json_string_attention16(const uint8_t *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    // Signed: bytes 0x80 and above are negative, so one compare finds them and the control bytes.
    __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), low));
#else
    uint32_t mask = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t b = p[i];
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) mask |= 1u << i;
    }
    return mask;
#endif
}

/// Copies the 16 bytes at `source` to `target` and returns a mask with bit i set when byte i is `\`: the
/// unescaper's step. Reads exactly source[0..<16], writes exactly target[0..<16].
static inline __attribute__((always_inline)) uint32_t sluice_copy16_backslashes(const uint8_t *source, uint8_t *target) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)source);
    _mm_storeu_si128((__m128i *)target, v);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
#else
    uint32_t mask = 0;
    memcpy(target, source, 16);
    for (int i = 0; i < 16; i++) {
        if (source[i] == '\\') mask |= 1u << i;
    }
    return mask;
#endif
}

/// Copies the 16 bytes at `source` to `target` and returns `sluice_json_string_attention16(source)`: the step
/// of a string read that unescapes as it validates. Reads exactly source[0..<16], writes exactly target[0..<16].
/// (The compiler loads the 16 bytes once for both.)
static inline __attribute__((always_inline)) uint32_t sluice_json_copy16_attention(const uint8_t *source, uint8_t *target) {
    uint32_t mask = sluice_json_string_attention16(source);
    memcpy(target, source, 16);
    return mask;
}

/// For 0 < n < 16: copies source[0..<n] to target and returns the attention mask of those n bytes (as
/// `sluice_json_string_attention16`), for the short strings and tails a sixteen-byte step cannot read. Reads
/// exactly source[0..<n] (two overlapping loads, assembled in registers: a vector load of bytes just stored in
/// pieces would wait for the stores), writes target[0..<16] (bytes past n are scratch).
static inline __attribute__((always_inline)) uint32_t sluice_json_copy_short_attention(const uint8_t *source, size_t n, uint8_t *target) {
    uint64_t low, high = 0;
    if (n >= 8) {
        uint64_t tail;
        memcpy(&low, source, 8);
        memcpy(&tail, source + n - 8, 8);
        // Bytes 8..<n are the last n - 8 of `tail`.
        high = n == 8 ? 0 : tail >> (8 * (16 - n));
    } else if (n >= 4) {
        uint32_t head, tail;
        memcpy(&head, source, 4);
        memcpy(&tail, source + n - 4, 4);
        low = (uint64_t)head | ((uint64_t)tail >> (8 * (8 - n))) << 32;
    } else {
        low = (uint64_t)source[0] | (uint64_t)source[n / 2] << (8 * (n / 2)) | (uint64_t)source[n - 1] << (8 * (n - 1));
    }
    uint32_t mask;
#if defined(__SSE2__)
    __m128i v = _mm_set_epi64x((long long)high, (long long)low);
    _mm_storeu_si128((__m128i *)target, v);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    __m128i below = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    mask = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), below));
#else
    uint8_t block[16];
    memcpy(block, &low, 8);
    memcpy(block + 8, &high, 8);
    mask = sluice_json_copy16_attention(block, target);
#endif
    return mask & ((1u << n) - 1);
}

#endif
