"""The training job: data loaders, example sampling, the two-tower model, training and export."""

import os

# Set before anything imports TensorFlow, which reads both once at import: TensorFlow
# Recommenders 0.7.7 works only with the Keras 2 API (tf-keras), and TensorFlow's C++ start-up
# chatter (CPU feature notices, oneDNN banners) would bury the training progress bar.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
