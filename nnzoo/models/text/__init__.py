"""Models of sentences and tags: the linear-chain CRF, the BiLSTM-CRF tagger, and the sentence
classifiers TextCNN, DCNN and C-LSTM.
"""
