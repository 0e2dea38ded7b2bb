/* The word tokens of ingest/fingerprint.py (`words`: the runs of \w), and the token sets that
   ingest/agencies.py looks agency names up in, compiled.

   Every article is tokenised twice this way (its body for the article key, the language cues and
   the agency look-up; its title for the agencies), and `re.findall` cost 18 us a Reuters-21578 body,
   7% of preparing it; this scan costs 11 us, most of it making the token strings. ingest/fingerprint.py
   falls back to the regular expression where this module was not built (no C compiler at install
   time); a test holds the two to the same tokens.

   Agency look-ups take the set of an article's tokens and the set of their lower-case forms: in
   Python, `str.lower` copies every token, most of them lower case already (8 us a Reuters story).
   The language cues of ingest/language.py count case-folded words the same way.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_counts.h"
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

/* The token in lower case: an ASCII token without capitals is its own (str.lower copies it). */
static PyObject *lower_case(PyObject *token) {
    if (!PyUnicode_IS_ASCII(token)) return PyObject_CallMethod(token, "lower", NULL);
    const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(token);
    Py_ssize_t length = PyUnicode_GET_LENGTH(token), i = 0;
    while (i < length && !(chars[i] >= 'A' && chars[i] <= 'Z')) i++;
    if (i == length) {
        Py_INCREF(token);
        return token;
    }
    PyObject *lowered = PyUnicode_New(length, 127);
    if (lowered == NULL) return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(lowered);
    for (i = 0; i < length; i++) out[i] = chars[i] >= 'A' && chars[i] <= 'Z' ? chars[i] + 32 : chars[i];
    return lowered;
}

/* Keep the token if it is a key of `shorts`, and its lower-case form if that is in `longs`. */
static int keep_hits(PyObject *token, PyObject *shorts, PyObject *longs, PyObject *short_hits, PyObject *long_hits) {
    int found = PyDict_Contains(shorts, token);
    if (found < 0 || (found && PySet_Add(short_hits, token) < 0)) return -1;
    PyObject *lower = lower_case(token);
    if (lower == NULL) return -1;
    found = PySet_Contains(longs, lower);
    int failed = found < 0 || (found && PySet_Add(long_hits, lower) < 0);
    Py_DECREF(lower);
    return failed ? -1 : 0;
}

/* The runs of [^\W_] in a \w+ token are its parts between underscores. */
static int keep_part_hits(PyObject *word, PyObject *shorts, PyObject *longs, PyObject *short_hits, PyObject *long_hits) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    if (PyUnicode_IS_ASCII(word) ? memchr(PyUnicode_1BYTE_DATA(word), '_', length) == NULL
                                 : PyUnicode_FindChar(word, '_', 0, length, 1) == -1)
        return keep_hits(word, shorts, longs, short_hits, long_hits);
    Py_ssize_t start = 0;
    while (start <= length) {
        Py_ssize_t end = PyUnicode_FindChar(word, '_', start, length, 1);
        if (end == -1) end = length;
        if (end > start) {
            PyObject *part = PyUnicode_Substring(word, start, end);
            if (part == NULL) return -1;
            int failed = keep_hits(part, shorts, longs, short_hits, long_hits);
            Py_DECREF(part);
            if (failed) return -1;
        }
        start = end + 1;
    }
    return 0;
}

static PyObject *vocabulary_hits(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[0]) || !PyDict_Check(args[1]) || !PyAnySet_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "vocabulary_hits takes a list of str, a dict and a set");
        return NULL;
    }
    PyObject *words = args[0], *shorts = args[1], *longs = args[2];
    PyObject *short_hits = PySet_New(NULL), *long_hits = PySet_New(NULL);
    if (short_hits == NULL || long_hits == NULL) goto failed;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(words); i++) {
        PyObject *word = PyList_GET_ITEM(words, i);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "vocabulary_hits takes a list of str");
            goto failed;
        }
        if (keep_part_hits(word, shorts, longs, short_hits, long_hits) < 0) goto failed;
    }
    return Py_BuildValue("(NN)", short_hits, long_hits);
failed:
    Py_XDECREF(short_hits);
    Py_XDECREF(long_hits);
    return NULL;
}

/* The word case-folded: an ASCII word is folded by lower-casing it, and one without capitals is its own. */
static PyObject *case_folded(PyObject *word) {
    return PyUnicode_IS_ASCII(word) ? lower_case(word) : PyObject_CallMethod(word, "casefold", NULL);
}

/* How a word is written: CAPITALS (two letters or more, none lower-case: str.isupper()), MIXED (some
   lower-case letter, or a single capital), or NONE (no letter with a case: numbers, scripts without). */
enum writing { NONE, MIXED, CAPITALS };

static enum writing written(PyObject *word) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word), cased = 0;
    const void *data = PyUnicode_DATA(word);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISLOWER(ch) || Py_UNICODE_ISTITLE(ch)) return MIXED;
        if (Py_UNICODE_ISUPPER(ch)) cased = 1;
    }
    return !cased ? NONE : length < 2 ? MIXED : CAPITALS;
}

/* Whether the words in capitals among the first `count` are acronyms and names ("ITT", "EU") rather than
   the text itself: fewer than half of the words with letters of a case. */
static int capitals_are_names(PyObject *words, Py_ssize_t count) {
    Py_ssize_t capitals = 0, mixed = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        enum writing how = written(PyList_GET_ITEM(words, i));
        capitals += how == CAPITALS;
        mixed += how == MIXED;
    }
    return capitals < mixed;
}

static PyObject *cue_counts(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[0]) || !PyDict_Check(args[1]) || !PyLong_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "cue_counts takes a list of str, a dict and an int");
        return NULL;
    }
    PyObject *words = args[0], *cues = args[1];
    Py_ssize_t most = PyLong_AsSsize_t(args[2]);
    if (most == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(words) < most ? PyList_GET_SIZE(words) : most;
    for (Py_ssize_t i = 0; i < count; i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(words, i))) {
            PyErr_SetString(PyExc_TypeError, "cue_counts takes a list of str");
            return NULL;
        }
    int skip_capitals = capitals_are_names(words, count);
    PyObject *counts = PyDict_New();
    if (counts == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PyList_GET_ITEM(words, i);
        if (skip_capitals && written(word) == CAPITALS) continue;
        PyObject *folded = case_folded(word);
        if (folded == NULL) goto failed;
        PyObject *language = PyDict_GetItemWithError(cues, folded);  /* borrowed */
        Py_DECREF(folded);
        if (language == NULL) {
            if (PyErr_Occurred()) goto failed;
            continue;
        }
        if (count_one(counts, language) < 0) goto failed;
    }
    return counts;
failed:
    Py_DECREF(counts);
    return NULL;
}

static PyMethodDef methods[] = {
    {"word_tokens", word_tokens, METH_O, "word_tokens(text) -> list[str]: the matches of \\w+ in text, in order."},
    {"vocabulary_hits", (PyCFunction)(void (*)(void))vocabulary_hits, METH_FASTCALL,
     "vocabulary_hits(words, shorts, longs) -> (tokens, lowered): of the words split at underscores, those that are keys of "
     "`shorts`, and the lower-case forms that are in `longs`."},
    {"cue_counts", (PyCFunction)(void (*)(void))cue_counts, METH_FASTCALL,
     "cue_counts(words, cues, most) -> dict: how many of the first `most` words, case-folded, each language of `cues` has; "
     "words in capitals are not counted where fewer than half the cased words are."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_word_tokens", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_tokens(void) { return PyModule_Create(&module); }
