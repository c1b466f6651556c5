"""The web catalog: ``nnzoo serve`` and the static site ``nnzoo site build``, one template set."""
