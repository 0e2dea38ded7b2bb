/* The shingle sets of story sketches (ingest/stories.py, `story_tokens` and `_sets_of_tokens`), compiled.

   Every article's body is tokenised, its tokens hashed with xxh3 and its word 3-grams combined into
   sorted distinct 64-bit hashes; in Python that is a regular expression, a dictionary of token
   hashes and a dozen NumPy passes, a fifth of preparing an article. This is the same computation,
   token for token: the pattern \d+(?:[.,]\d+)*[^\W\d_]*|\w+ over the case-folded text, thousands
   separators dropped as `_without_thousands` drops them, one or two tokens padded with empty ones,
   and the splitmix64 finaliser over each 3-gram. ingest/stories.py falls back to the Python steps
   where this module was not built (no C compiler at install time); a test holds the two to the same
   output on generated and real text.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define XXH_INLINE_ALL
#include "vendor/xxhash.h"

#include "_text_classes.h"

#define SHINGLE_WORDS 3

typedef struct {
    uint64_t *items;
    Py_ssize_t length, capacity;
} Hashes;

static int push(Hashes *h, uint64_t value) {
    if (h->length == h->capacity) {
        Py_ssize_t capacity = h->capacity ? h->capacity * 2 : 1024;
        uint64_t *items = PyMem_Realloc(h->items, capacity * sizeof(uint64_t));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        h->items = items;
        h->capacity = capacity;
    }
    h->items[h->length++] = value;
    return 0;
}

/* UTF-8 of one code point into `out` (tokens hold no surrogates: they are word characters). */
static size_t utf8(Py_UCS4 c, char *out) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The end of the token starting at `start`, which is a word character; `*number` says which branch. */
static Py_ssize_t token_end(const Text *t, Py_ssize_t start, int *number) {
    Py_ssize_t end = start + 1;
    *number = is_decimal(at(t, start));
    if (!*number) {
        while (end < t->length && is_word(at(t, end))) end++;
        return end;
    }
    while (end < t->length && is_decimal(at(t, end))) end++;
    while (end + 1 < t->length && (at(t, end) == '.' || at(t, end) == ',') && is_decimal(at(t, end + 1))) {
        end += 2;
        while (end < t->length && is_decimal(at(t, end))) end++;
    }
    while (end < t->length && is_letter(at(t, end))) end++;
    return end;
}

/* `_without_thousands`: each group after a comma starts with exactly three digits before any point. */
static int thousands_separated(const Text *t, Py_ssize_t start, Py_ssize_t end) {
    int commas = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        if (at(t, i) != ',') continue;
        commas = 1;
        Py_ssize_t stop = i + 1;
        while (stop < end && at(t, stop) != ',' && at(t, stop) != '.') stop++;
        if (stop - (i + 1) != 3) return 0;
        for (Py_ssize_t j = i + 1; j < stop; j++)
            if (!is_decimal(at(t, j))) return 0;
        if (stop < end && at(t, stop) == '.') {
            while (stop < end && at(t, stop) != ',') stop++;  /* the rest of the group after its point */
        }
        i = stop - 1;
    }
    return commas;
}

/* The token's xxh3, of its UTF-8 as Python's xxhash hashes a str; -1 with an exception set on failure. */
static int token_hash(const Text *t, Py_ssize_t start, Py_ssize_t end, int number, char **buffer, size_t *size,
                      uint64_t *hash) {
    size_t needed = (size_t)(end - start) * 4;
    if (needed > *size) {
        char *grown = PyMem_Realloc(*buffer, needed);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *buffer = grown;
        *size = needed;
    }
    int drop_commas = number && thousands_separated(t, start, end);
    size_t length = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = at(t, i);
        if (!(drop_commas && c == ',')) length += utf8(c, *buffer + length);
    }
    *hash = XXH3_64bits(*buffer, length);
    return 0;
}

static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* An article's shingles are sorted without qsort, whose call of a comparison function per step was
   3% of preparing a Reuters article: a short set by quicksort on a median of three (its worst case is
   bounded by the size), a longer one by an LSD radix sort, linear whatever the values. */
#define RADIX_FROM 256

static void swap(uint64_t *a, uint64_t *b) {
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(uint64_t *v, Py_ssize_t n) {
    for (Py_ssize_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        Py_ssize_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

static void quicksort(uint64_t *v, Py_ssize_t n) {
    while (n > 16) {
        Py_ssize_t middle = n / 2;
        if (v[middle] < v[0]) swap(v + middle, v);
        if (v[n - 1] < v[0]) swap(v + n - 1, v);
        if (v[n - 1] < v[middle]) swap(v + n - 1, v + middle);
        uint64_t pivot = v[middle];
        Py_ssize_t i = -1, j = n;
        for (;;) {
            while (v[++i] < pivot) {}
            while (v[--j] > pivot) {}
            if (i >= j) break;
            swap(v + i, v + j);
        }
        /* v[0..j] <= pivot <= v[j+1..n): recurse into the smaller side, loop on the larger */
        if (j + 1 < n - j - 1) {
            quicksort(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            quicksort(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(v, n);
}

/* Eight passes of one byte each, least significant first; `scratch` holds n values. */
static void radix_sort(uint64_t *v, uint64_t *scratch, Py_ssize_t n) {
    uint64_t *from = v, *to = scratch;
    for (int shift = 0; shift < 64; shift += 8) {
        Py_ssize_t starts[256] = {0};
        for (Py_ssize_t i = 0; i < n; i++) starts[(from[i] >> shift) & 0xFF]++;
        Py_ssize_t total = 0;
        for (int d = 0; d < 256; d++) {
            Py_ssize_t count = starts[d];
            starts[d] = total;
            total += count;
        }
        for (Py_ssize_t i = 0; i < n; i++) to[starts[(from[i] >> shift) & 0xFF]++] = from[i];
        uint64_t *swapped = from;
        from = to;
        to = swapped;
    }
    /* an even number of passes: the sorted values are back in v */
}

/* Appends the sorted distinct shingles of one case-folded text to `out`. */
static int shingle_text(const Text *t, const uint64_t *multipliers, Hashes *tokens, Hashes *out, char **buffer,
                        size_t *size) {
    tokens->length = 0;
    Py_ssize_t i = 0;
    while (i < t->length) {
        if (!is_word(at(t, i))) {
            i++;
            continue;
        }
        int number;
        Py_ssize_t end = token_end(t, i, &number);
        uint64_t hash;
        if (token_hash(t, i, end, number, buffer, size, &hash) < 0 || push(tokens, hash) < 0) return -1;
        i = end;
    }
    if (tokens->length == 0) return 0;
    uint64_t empty = XXH3_64bits("", 0);
    while (tokens->length < SHINGLE_WORDS)
        if (push(tokens, empty) < 0) return -1;
    Py_ssize_t first = out->length;
    for (Py_ssize_t k = 0; k + SHINGLE_WORDS <= tokens->length; k++) {
        uint64_t combined = 0;
        for (int w = 0; w < SHINGLE_WORDS; w++) combined += tokens->items[k + w] * multipliers[w];
        if (push(out, mix(combined)) < 0) return -1;
    }
    uint64_t *values = out->items + first;
    Py_ssize_t count = out->length - first;
    if (count < RADIX_FROM)
        quicksort(values, count);
    else
        radix_sort(values, tokens->items, count); /* the tokens are spent, and there are more of them */
    Py_ssize_t kept = 1;
    for (Py_ssize_t k = 1; k < count; k++)
        if (values[k] != values[kept - 1]) values[kept++] = values[k];
    out->length = first + kept;
    return 0;
}

static PyObject *shingle_sets(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *texts;
    Py_buffer multipliers;
    if (!PyArg_ParseTuple(args, "O!y*", &PyList_Type, &texts, &multipliers)) return NULL;
    if (multipliers.len != SHINGLE_WORDS * sizeof(uint64_t)) {
        PyBuffer_Release(&multipliers);
        return PyErr_Format(PyExc_ValueError, "expected %d 64-bit multipliers", SHINGLE_WORDS);
    }
    uint64_t factors[SHINGLE_WORDS];
    memcpy(factors, multipliers.buf, sizeof(factors));
    PyBuffer_Release(&multipliers);

    Py_ssize_t count = PyList_GET_SIZE(texts);
    Hashes tokens = {0}, out = {0};
    char *buffer = NULL;
    size_t size = 0;
    int64_t *offsets = PyMem_Calloc((size_t)count + 1, sizeof(int64_t));
    PyObject *result = NULL;
    if (offsets == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *text = PyList_GET_ITEM(texts, n);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "shingle_sets takes a list of str");
            goto done;
        }
        PyObject *folded = PyObject_CallMethod(text, "casefold", NULL);
        if (folded == NULL) goto done;
        Text t = {PyUnicode_KIND(folded), PyUnicode_DATA(folded), PyUnicode_GET_LENGTH(folded)};
        int failed = shingle_text(&t, factors, &tokens, &out, &buffer, &size);
        Py_DECREF(folded);
        if (failed) goto done;
        offsets[n + 1] = out.length;
    }
    PyObject *values = PyBytes_FromStringAndSize((const char *)out.items, out.length * (Py_ssize_t)sizeof(uint64_t));
    PyObject *bounds = PyBytes_FromStringAndSize((const char *)offsets, (count + 1) * (Py_ssize_t)sizeof(int64_t));
    if (values != NULL && bounds != NULL) result = PyTuple_Pack(2, values, bounds);
    Py_XDECREF(values);
    Py_XDECREF(bounds);
done:
    PyMem_Free(tokens.items);
    PyMem_Free(out.items);
    PyMem_Free(buffer);
    PyMem_Free(offsets);
    return result;
}

/* The least a*x + b (mod 2^64) over `count` values for LANES permutations at once: one pass over the
   values keeps LANES independent minima, where a permutation at a time made every step wait on the
   last compare (6,000 Reuters stories: 90 -> 55-64 ms). An AVX2 build was no faster: AVX2 has no
   64-bit multiply. */
#define LANES 8
static void least_of_lanes(const uint64_t *x, int64_t count, const uint64_t *pa, const uint64_t *pb,
                           uint64_t *least) {
    for (int l = 0; l < LANES; l++) least[l] = UINT64_MAX;
    for (int64_t k = 0; k < count; k++)
        for (int l = 0; l < LANES; l++) {
            uint64_t hashed = pa[l] * x[k] + pb[l];
            least[l] = hashed < least[l] ? hashed : least[l];
        }
}

/* `minhash_signatures`: per set, the top 32 bits of the least a*x + b (mod 2^64) of each permutation. */
static PyObject *signatures(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer values, offsets, a, b;
    if (!PyArg_ParseTuple(args, "y*y*y*y*", &values, &offsets, &a, &b)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t permutations = a.len / (Py_ssize_t)sizeof(uint64_t);
    Py_ssize_t sets = offsets.len / (Py_ssize_t)sizeof(int64_t) - 1;
    const uint64_t *x = values.buf, *pa = a.buf, *pb = b.buf;
    const int64_t *bounds = offsets.buf;
    if (b.len != a.len || sets < 0 || permutations % LANES) {
        PyErr_SetString(PyExc_ValueError,
                        "signatures takes values, set offsets and two equal permutation arrays of a multiple of 8");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, sets * permutations * (Py_ssize_t)sizeof(uint32_t));
    if (result == NULL) goto done;
    uint32_t *out = (uint32_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t s = 0; s < sets; s++)
        for (Py_ssize_t p = 0; p < permutations; p += LANES) {
            uint64_t least[LANES];
            least_of_lanes(x + bounds[s], bounds[s + 1] - bounds[s], pa + p, pb + p, least);
            for (int l = 0; l < LANES; l++) out[s * permutations + p + l] = (uint32_t)(least[l] >> 32);
        }
done:
    PyBuffer_Release(&values);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

static PyMethodDef methods[] = {
    {"shingle_sets", shingle_sets, METH_VARARGS,
     "shingle_sets(texts, multipliers) -> (values, offsets): ingest/stories.py's shingle sets as raw uint64 "
     "and int64 bytes."},
    {"signatures", signatures, METH_VARARGS,
     "signatures(values, offsets, a, b) -> bytes: ingest/stories.py's MinHash signatures as raw uint32, a row a set."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_shingles", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__shingles(void) { return PyModule_Create(&module); }
