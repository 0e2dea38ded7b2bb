"""Imported once by the forkserver that worker processes fork from (flows/workers.py), so that every
worker starts with what each of its batches needs already loaded.

That is the English word frequencies of name repair: importing wordfreq and reading its table costs
0.45 s of CPU, which each worker (and the main process) otherwise paid at its first batch.
"""

from ingest.names import load_word_frequencies

load_word_frequencies()
