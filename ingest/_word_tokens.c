/* The word tokens of ingest/fingerprint.py (`words`: the runs of \w), compiled.

   Every article is tokenised twice this way (its body for the article key, the language cues and
   the agency look-up; its title for the agencies), and `re.findall` cost 18 us a Reuters-21578 body,
   7% of preparing it; this scan costs 11 us, most of it making the token strings. ingest/fingerprint.py
   falls back to the regular expression where this module was not built (no C compiler at install
   time); a test holds the two to the same tokens.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_text_classes.h"

static PyObject *word_tokens(PyObject *Py_UNUSED(module), PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "word_tokens takes a str");
        return NULL;
    }
    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    PyObject *tokens = PyList_New(0);
    if (tokens == NULL) return NULL;
    Py_ssize_t start = 0;
    while (start < t.length) {
        if (!is_word(at(&t, start))) {
            start++;
            continue;
        }
        Py_ssize_t end = start + 1;
        while (end < t.length && is_word(at(&t, end))) end++;
        PyObject *token = PyUnicode_Substring(text, start, end);
        if (token == NULL || PyList_Append(tokens, token) < 0) {
            Py_XDECREF(token);
            Py_DECREF(tokens);
            return NULL;
        }
        Py_DECREF(token);
        start = end;
    }
    return tokens;
}

static PyMethodDef methods[] = {
    {"word_tokens", word_tokens, METH_O, "word_tokens(text) -> list[str]: the matches of \\w+ in text, in order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_word_tokens", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_tokens(void) { return PyModule_Create(&module); }
