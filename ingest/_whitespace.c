/* `collapse_whitespace` of ingest/normalize.py, and `_paragraphs` of ingest/parse.py, compiled.

   Every line of every article goes through it as its paragraphs are read (ingest/parse.py), and the
   two regular expressions and the strip cost 13 us of the 16 us that reading a Reuters-21578 story's
   paragraphs took. This is the same result in one pass: zero-width characters dropped, each run of
   the horizontal spaces of `_SPACE` made one space, then white space (str.isspace) stripped from both
   ends. ingest/normalize.py falls back to the regular expressions where this module was not built
   (no C compiler at install time); a test holds the two to the same output.

   The paragraphs of a plain-text article are its lines cut at blank and indented lines, each joined
   by spaces and collapsed so: one pass here, where Python's loop over the lines cost as much again
   as the collapse (ingest/parse.py falls back to that loop, and a test holds the two together).
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_text_classes.h"

/* normalize.py's _ZERO_WIDTH */
static inline int zero_width(Py_UCS4 c) {
    return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

/* normalize.py's _SPACE */
static inline int horizontal_space(Py_UCS4 c) {
    if (c < 128) return c == ' ' || c == '\t';
    return c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Characters kept so far, with whether the last one began a run of spaces. */
typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t length, capacity;
    int in_run;
} Kept;

static int reserve(Kept *kept, Py_ssize_t more) {
    if (kept->length + more <= kept->capacity) return 0;
    Py_ssize_t capacity = (kept->length + more) * 2;
    Py_UCS4 *chars = PyMem_Realloc(kept->chars, capacity * sizeof(Py_UCS4));
    if (chars == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    kept->chars = chars;
    kept->capacity = capacity;
    return 0;
}

/* Append a text, dropping zero-width characters and making each run of spaces one space. */
static int keep(Kept *kept, PyObject *text) {
    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    if (reserve(kept, t.length + 1) < 0) return -1;
    for (Py_ssize_t i = 0; i < t.length; i++) {
        Py_UCS4 c = at(&t, i);
        if (zero_width(c)) continue;
        if (horizontal_space(c)) {
            if (!kept->in_run) kept->chars[kept->length++] = ' ';
            kept->in_run = 1;
            continue;
        }
        kept->in_run = 0;
        kept->chars[kept->length++] = c;
    }
    return 0;
}

/* What was kept, stripped of white space at both ends, as a str; the buffer starts again empty. */
static PyObject *finish(Kept *kept) {
    Py_ssize_t start = 0, end = kept->length;
    while (start < end && Py_UNICODE_ISSPACE(kept->chars[start])) start++;
    while (end > start && Py_UNICODE_ISSPACE(kept->chars[end - 1])) end--;
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, kept->chars + start, end - start);
    kept->length = 0;
    kept->in_run = 0;
    return result;
}

static PyObject *collapse(PyObject *Py_UNUSED(module), PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "collapse takes a str");
        return NULL;
    }
    Kept kept = {NULL, 0, 0, 0};
    PyObject *result = keep(&kept, text) < 0 ? NULL : finish(&kept);
    PyMem_Free(kept.chars);
    return result;
}

static int blank(PyObject *line) {
    Text t = {PyUnicode_KIND(line), PyUnicode_DATA(line), PyUnicode_GET_LENGTH(line)};
    for (Py_ssize_t i = 0; i < t.length; i++)
        if (!Py_UNICODE_ISSPACE(at(&t, i))) return 0;
    return 1;
}

/* parse.py's _INDENT: two spaces or a tab at the start */
static int indented(PyObject *line) {
    Text t = {PyUnicode_KIND(line), PyUnicode_DATA(line), PyUnicode_GET_LENGTH(line)};
    return (t.length >= 1 && at(&t, 0) == '\t') || (t.length >= 2 && at(&t, 0) == ' ' && at(&t, 1) == ' ');
}

/* The paragraph kept so far, if it has any text, onto `found`. */
static int flush(Kept *kept, PyObject *found) {
    PyObject *paragraph = finish(kept);
    if (paragraph == NULL) return -1;
    int failed = PyUnicode_GET_LENGTH(paragraph) > 0 && PyList_Append(found, paragraph) < 0;
    Py_DECREF(paragraph);
    return failed ? -1 : 0;
}

static PyObject *paragraphs(PyObject *Py_UNUSED(module), PyObject *lines) {
    if (!PyList_Check(lines)) {
        PyErr_SetString(PyExc_TypeError, "paragraphs takes a list of str");
        return NULL;
    }
    PyObject *found = PyList_New(0);
    Kept kept = {NULL, 0, 0, 0};
    Py_ssize_t current = 0;  /* lines in the paragraph being kept */
    if (found == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "paragraphs takes a list of str");
            goto failed;
        }
        int empty = blank(line);
        if (empty || (current && indented(line))) {
            if (current && flush(&kept, found) < 0) goto failed;
            current = 0;
        }
        if (empty) continue;
        if (current) {  /* lines of a paragraph are joined by one space */
            if (reserve(&kept, 1) < 0) goto failed;
            if (!kept.in_run) kept.chars[kept.length++] = ' ';
            kept.in_run = 1;
        }
        if (keep(&kept, line) < 0) goto failed;
        current++;
    }
    if (current && flush(&kept, found) < 0) goto failed;
    PyMem_Free(kept.chars);
    return found;
failed:
    PyMem_Free(kept.chars);
    Py_DECREF(found);
    return NULL;
}

static PyMethodDef methods[] = {
    {"collapse", collapse, METH_O,
     "collapse(text) -> str: one space for each run of horizontal spaces, no zero-width characters, stripped."},
    {"paragraphs", paragraphs, METH_O,
     "paragraphs(lines) -> list[str]: the lines' paragraphs (a blank or indented line starts one), each collapsed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_whitespace", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__whitespace(void) { return PyModule_Create(&module); }
