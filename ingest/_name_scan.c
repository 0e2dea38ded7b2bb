/* The capitalised-word scan of name repair (ingest/names.py, `_scan_occurrences`), compiled; the
   counts read_names takes from it (`_tallies`); and the search for pairs of forms a few edits apart
   (`_close_pairs`).

   Every article goes through this scan, and in Python it is a third of name repair's time: one
   regular-expression match object and a dozen interpreted steps per capitalised word. This is the
   same scan, step for step, with the character classes of Python's `re` (_text_classes.h).
   ingest/names.py falls back to the Python scan where this module was not built (no C compiler at
   install time); a test holds the two to the same output on generated and real text.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define SENTENCE_WINDOW 12 /* characters looked back for a sentence end, as starts_sentence does */
#define RIGHT_SINGLE_QUOTE 0x2019
#define LEFT_DOUBLE_QUOTE 0x201C
#define LEFT_SINGLE_QUOTE 0x2018

#include "_counts.h"
#include "_text_classes.h"

static inline int is_upper(Py_UCS4 c) { return c < 128 ? c >= 'A' && c <= 'Z' : Py_UNICODE_ISUPPER(c); }

static inline int is_lower_or_title(Py_UCS4 c) {
    return c < 128 ? c >= 'a' && c <= 'z' : Py_UNICODE_ISLOWER(c) || Py_UNICODE_ISTITLE(c);
}

static inline int is_joiner(Py_UCS4 c) { return c == '-' || c == '\'' || c == RIGHT_SINGLE_QUOTE; }

static inline int is_quote(Py_UCS4 c) { return c == '\'' || c == RIGHT_SINGLE_QUOTE; }

/* The end of the word starting at `start`: letters, then any joiner followed by letters. */
static Py_ssize_t word_end(const Text *t, Py_ssize_t start) {
    Py_ssize_t end = start + 1;
    while (end < t->length && is_letter(at(t, end))) end++;
    while (end + 1 < t->length && is_joiner(at(t, end)) && is_letter(at(t, end + 1))) {
        end += 2;
        while (end < t->length && is_letter(at(t, end))) end++;
    }
    return end;
}

/* A word may start here: a letter that is no ASCII lower-case one, after no word character or joiner. */
static int starts_word(const Text *t, Py_ssize_t i) {
    Py_UCS4 c = at(t, i);
    if (!is_letter(c) || (c >= 'a' && c <= 'z')) return 0;
    if (i == 0) return 1;
    Py_UCS4 before = at(t, i - 1);
    return !(is_word(before) || is_joiner(before));
}

/* str.isupper() of text[start:end]: some cased character and no lower-case or title-case one. */
static int all_capitals(const Text *t, Py_ssize_t start, Py_ssize_t end) {
    int cased = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = at(t, i);
        if (is_lower_or_title(c)) return 0;
        cased |= is_upper(c);
    }
    return cased;
}

/* ingest.normalize.starts_sentence */
static int starts_sentence(const Text *t, Py_ssize_t start) {
    Py_ssize_t low = start > SENTENCE_WINDOW ? start - SENTENCE_WINDOW : 0;
    Py_ssize_t i = start;
    while (i > low) {
        Py_UCS4 c = at(t, i - 1);
        if (c != ' ' && c != '"' && c != LEFT_DOUBLE_QUOTE && c != LEFT_SINGLE_QUOTE && c != '\'' && c != '(') break;
        i--;
    }
    if (i == low) return start < SENTENCE_WINDOW;
    Py_UCS4 last = at(t, i - 1);
    return last == '.' || last == '!' || last == '?' || last == '\n';
}

/* Whether text[start:end] (one line) is a row of a table: names.py's _table_lines. */
static int is_table_line(const Text *t, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t spaces = 0, figures = 0; /* three words or more need a figure to pass the share */
    int in_figure = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = at(t, i);
        if (c == ' ') spaces++;
        if (in_figure && (c == ',' || c == '.' || is_decimal(c))) continue;
        in_figure = is_decimal(c);
        figures += in_figure;
    }
    Py_ssize_t words = spaces + 1;
    return words >= 3 && figures * 10 >= 3 * words;
}

/* Whether the line around `position` is a table row; `line` caches the last line read (positions
   only grow, so the line ends where the last one did at the earliest). */
typedef struct {
    Py_ssize_t end;
    int table;
} Line;

static int in_table_line(const Text *t, Py_ssize_t position, Line *line) {
    if (position >= line->end) {
        Py_ssize_t start = position;
        while (start > line->end && at(t, start - 1) != '\n') start--;
        Py_ssize_t end = position;
        while (end < t->length && at(t, end) != '\n') end++;
        line->end = end;
        line->table = is_table_line(t, start, end);
    }
    return line->table;
}

static PyObject *occurrence(PyTypeObject *type, PyObject *form, PyObject *given, int sentence_start, int titled,
                            int possessive, int table) {
    PyObject *fields[6] = {form, given, sentence_start ? Py_True : Py_False, titled ? Py_True : Py_False,
                           possessive ? Py_True : Py_False, table ? Py_True : Py_False};
    PyObject *made = type->tp_alloc(type, 6);
    if (made == NULL) return NULL;
    for (Py_ssize_t i = 0; i < 6; i++) PyTuple_SET_ITEM(made, i, Py_NewRef(fields[i]));
    return made;
}

static PyObject *scan(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text_object, *honorifics;
    PyTypeObject *type;
    if (!PyArg_ParseTuple(args, "UOO!:occurrences", &text_object, &honorifics, &PyType_Type, &type)) return NULL;
    if (!PyAnySet_Check(honorifics) || !PyType_IsSubtype(type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "occurrences(text, honorifics: frozenset, occurrence: a tuple type)");
        return NULL;
    }
    Text t = {PyUnicode_KIND(text_object), PyUnicode_DATA(text_object), PyUnicode_GET_LENGTH(text_object)};
    PyObject *found = PyList_New(0);
    if (found == NULL) return NULL;
    PyObject *previous_form = NULL; /* borrowed: held by the last occurrence in `found` */
    Py_ssize_t previous_end = -10;
    Line line = {-1, 0}; /* no line read yet */
    Py_ssize_t i = 0;
    while (i < t.length) {
        if (!starts_word(&t, i)) {
            i++;
            continue;
        }
        Py_ssize_t start = i, end = word_end(&t, i);
        i = end;
        if (end - start < 2 || !is_upper(at(&t, start)) || all_capitals(&t, start, end)) {
            previous_form = NULL;
            previous_end = end;
            continue;
        }
        int possessive = at(&t, end - 1) == 's' && is_quote(at(&t, end - 2));
        PyObject *form = PyUnicode_Substring(text_object, start, possessive ? end - 2 : end);
        if (form == NULL) goto error;
        int adjacent = previous_form != NULL && start == previous_end + 1 && at(&t, previous_end) == ' ';
        int titled = 0;
        if (adjacent) {
            titled = PySet_Contains(honorifics, previous_form);
            if (titled < 0) {
                Py_DECREF(form);
                goto error;
            }
        }
        PyObject *given = adjacent && !titled ? previous_form : Py_None;
        int table = in_table_line(&t, start, &line)
                    || (end + 1 < t.length && at(&t, end) == '-' && is_decimal(at(&t, end + 1)));
        int sentence_start = given == Py_None && starts_sentence(&t, start);
        PyObject *made = occurrence(type, form, given, sentence_start, titled, possessive, table);
        Py_DECREF(form);
        if (made == NULL || PyList_Append(found, made) < 0) {
            Py_XDECREF(made);
            goto error;
        }
        Py_DECREF(made);
        previous_form = possessive ? NULL : PyTuple_GET_ITEM(made, 0);
        previous_end = end;
    }
    return found;
error:
    Py_DECREF(found);
    return NULL;
}

/* Optimal string alignment distance (Levenshtein plus the swap of two neighbours, no substring edited
   twice: rapidfuzz's OSA), or most + 1 once it must exceed `most`. `rows` holds 3 * (b->length + 1).
   No row has a smaller least value than the row before (a swap costs what the diagonal step before it
   saves), so a row all above `most` ends the alignment. */
static Py_ssize_t osa(const Text *a, const Text *b, Py_ssize_t most, Py_ssize_t *rows) {
    Py_ssize_t width = b->length + 1;
    Py_ssize_t *two = rows, *one = rows + width, *current = rows + 2 * width;
    for (Py_ssize_t j = 0; j < width; j++) one[j] = j;
    for (Py_ssize_t i = 1; i <= a->length; i++) {
        Py_UCS4 ca = at(a, i - 1);
        current[0] = i;
        Py_ssize_t least = i;
        for (Py_ssize_t j = 1; j < width; j++) {
            Py_UCS4 cb = at(b, j - 1);
            Py_ssize_t value = one[j - 1] + (ca != cb);
            if (one[j] + 1 < value) value = one[j] + 1;
            if (current[j - 1] + 1 < value) value = current[j - 1] + 1;
            if (i > 1 && j > 1 && ca == at(b, j - 2) && at(a, i - 2) == cb && two[j - 2] + 1 < value)
                value = two[j - 2] + 1;
            current[j] = value;
            if (value < least) least = value;
        }
        if (least > most) return most + 1;
        Py_ssize_t *spent = two;
        two = one;
        one = current;
        current = spent;
    }
    return one[width - 1] > most ? most + 1 : one[width - 1];
}

/* One bit per character (its code modulo 64): a character of one form whose bit the other form lacks
   needs an edit of its own, so more such bits than `most` rule a pair out before any alignment. */
static uint64_t character_bits(const Text *t) {
    uint64_t bits = 0;
    for (Py_ssize_t i = 0; i < t->length; i++) bits |= (uint64_t)1 << (at(t, i) & 63);
    return bits;
}

static int bit_count(uint64_t bits) {
    int count = 0;
    for (; bits; bits &= bits - 1) count++;
    return count;
}

static int read_forms(PyObject *list, Text **texts, uint64_t **bits, Py_ssize_t *longest) {
    Py_ssize_t count = PyList_GET_SIZE(list);
    *texts = PyMem_Calloc((size_t)count + 1, sizeof(Text));
    *bits = PyMem_Calloc((size_t)count + 1, sizeof(uint64_t));
    if (*texts == NULL || *bits == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *form = PyList_GET_ITEM(list, i);
        if (!PyUnicode_Check(form)) {
            PyErr_SetString(PyExc_TypeError, "close_pairs takes a list of str");
            return -1;
        }
        Text t = {PyUnicode_KIND(form), PyUnicode_DATA(form), PyUnicode_GET_LENGTH(form)};
        (*texts)[i] = t;
        (*bits)[i] = character_bits(&t);
        if (t.length > *longest) *longest = t.length;
    }
    return 0;
}

static PyObject *close_pairs(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *forms;
    Py_ssize_t most;
    if (!PyArg_ParseTuple(args, "O!n:close_pairs", &PyList_Type, &forms, &most)) return NULL;
    Text *texts = NULL;
    uint64_t *bits = NULL;
    Py_ssize_t *rows = NULL, longest = 0;
    PyObject *found = NULL;
    if (read_forms(forms, &texts, &bits, &longest) < 0) goto done;
    rows = PyMem_Malloc(3 * ((size_t)longest + 1) * sizeof(Py_ssize_t));
    found = PyList_New(0);
    if (rows == NULL || found == NULL) {
        if (rows == NULL) PyErr_NoMemory();
        Py_CLEAR(found);
        goto done;
    }
    Py_ssize_t count = PyList_GET_SIZE(forms);
    for (Py_ssize_t i = 0; i < count; i++)
        for (Py_ssize_t j = i + 1; j < count; j++) {
            Py_ssize_t gap = texts[i].length - texts[j].length;
            if (gap > most || -gap > most) continue;
            if (bit_count(bits[i] & ~bits[j]) > most || bit_count(bits[j] & ~bits[i]) > most) continue;
            Py_ssize_t distance = osa(&texts[i], &texts[j], most, rows);
            if (distance > most) continue;
            PyObject *pair = Py_BuildValue("(nnn)", i, j, distance);
            if (pair == NULL || PyList_Append(found, pair) < 0) {
                Py_XDECREF(pair);
                Py_CLEAR(found);
                goto done;
            }
            Py_DECREF(pair);
        }
done:
    PyMem_Free(texts);
    PyMem_Free(bits);
    PyMem_Free(rows);
    return found;
}

/* The counts and the named set that read_names takes from a scan's occurrences: how often each form is
   written outside tables (in a `counter`, a dict subclass), and the forms written somewhere other
   than at a sentence's start. Fields by position: form 0, sentence_start 2, table 5. */
static PyObject *tallies(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *occurrences, *counter;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &occurrences, &counter)) return NULL;
    PyObject *counts = PyObject_CallNoArgs(counter);
    PyObject *named = PySet_New(NULL);
    if (counts == NULL || named == NULL || !PyDict_Check(counts)) {
        if (counts != NULL && !PyDict_Check(counts)) PyErr_SetString(PyExc_TypeError, "tallies takes a dict subclass");
        goto failed;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(occurrences); i++) {
        PyObject *occurrence = PyList_GET_ITEM(occurrences, i);
        if (!PyTuple_Check(occurrence) || PyTuple_GET_SIZE(occurrence) < 6) {
            PyErr_SetString(PyExc_TypeError, "tallies takes the occurrences of a scan");
            goto failed;
        }
        PyObject *form = PyTuple_GET_ITEM(occurrence, 0);
        int sentence_start = PyObject_IsTrue(PyTuple_GET_ITEM(occurrence, 2));
        int table = PyObject_IsTrue(PyTuple_GET_ITEM(occurrence, 5));
        if (sentence_start < 0 || table < 0) goto failed;
        if (!sentence_start && PySet_Add(named, form) < 0) goto failed;
        if (table) continue;
        if (count_one(counts, form) < 0) goto failed;
    }
    return Py_BuildValue("(NN)", counts, named);
failed:
    Py_XDECREF(counts);
    Py_XDECREF(named);
    return NULL;
}

static PyMethodDef methods[] = {
    {"tallies", tallies, METH_VARARGS,
     "tallies(occurrences, counter) -> (counts, named): forms counted outside tables, and forms not at a sentence start."},
    {"occurrences", scan, METH_VARARGS,
     "occurrences(text, honorifics, occurrence) -> list: the capitalised words of ingest/names.py's scan."},
    {"close_pairs", close_pairs, METH_VARARGS,
     "close_pairs(forms, most) -> list of (i, j, distance): the pairs of forms (i < j) at most `most` OSA edits apart."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_name_scan", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__name_scan(void) { return PyModule_Create(&module); }
