"""Edge Recommender's serving library: bundles, retrieval and stores, with no TensorFlow."""
