"""Imported once by the forkserver that worker processes fork from (flows/workers.py), so that every
worker starts with what each of its batches needs already loaded.

That is the word tables of name repair (ingest/word_frequencies.py: 0.3 s of CPU, about 17 MiB) and
the language model with its cue words (0.12 G instructions), which each worker otherwise paid at its
first batch: a worker's first article that needs the model now costs 3 ms of CPU instead of 60 ms.
What is loaded here lives as long as the worker, so it is frozen out of the garbage collector, and
the workers' collections never walk it.
"""

import gc

from ingest.language import load_language_model
from ingest.word_frequencies import load as load_word_frequencies

load_word_frequencies()
load_language_model()
gc.freeze()
