"""Image models: the convolutional network (a small batch-normalised net and LeNet-5)."""
