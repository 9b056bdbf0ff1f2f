"""The fitted topic heads are cached on disk: a cached load gives the same model, without scikit-learn."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from tickerhouse import topic_heads
from tickerhouse.settings import load_settings


def test_cached_heads_equal_the_trained_ones_and_load_without_sklearn():
    folder = load_settings().state_dir / "models"
    for cached in folder.glob("heads-*.npz"):
        cached.unlink()  # trained now, from the (cached) example vectors
    topic_heads._load.cache_clear()
    trained = topic_heads.load_topic_model()
    assert len(list(folder.glob("heads-*.npz"))) == 1
    topic_heads._load.cache_clear()
    loaded = topic_heads.load_topic_model()
    assert loaded.heads.version == trained.heads.version
    assert (loaded.heads.topics, loaded.heads.thresholds) == (trained.heads.topics, trained.heads.thresholds)
    np.testing.assert_array_equal(loaded.heads.coef, trained.heads.coef)
    np.testing.assert_array_equal(loaded.heads.intercept, trained.heads.intercept)
    assert loaded.example_headlines == trained.example_headlines
    probe = "import sys; from tickerhouse.topic_heads import load_topic_model; load_topic_model(); "
    probe += "print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ), capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
