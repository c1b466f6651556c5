"""Models of sentences and tags: the benchmarks of the linear-chain CRF, the BiLSTM-CRF tagger,
and the sentence classifiers TextCNN, DCNN and C-LSTM (the family :mod:`nnzoo.models.text`).
"""
