"""Models of sentences and tags: the recipes of the linear-chain CRF, the BiLSTM-CRF tagger,
and the sentence classifiers TextCNN, DCNN and C-LSTM (the family :mod:`nnzoo.models.text`).
"""
