"""The example training script: arguments as SageMaker passes them, the warm-pool cache."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.synth_helpers import ROOT

SCRIPT = ROOT / "training" / "hf_finetune" / "train.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hf_finetune_train", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hyperparameters_parse_as_the_toolkit_passes_them() -> None:
    script = load_script()
    args = script.parse_args(
        [
            "--model_name",
            "bert-base-uncased",
            "--epochs",
            "1",
            "--learning_rate",
            "5e-05",
            "--warmup_ratio",
            "0.1",
        ]
    )
    assert (args.model_name, args.epochs, args.learning_rate) == ("bert-base-uncased", 1, 5e-05)
    assert args.warmup_ratio == 0.1  # the example sweep varies it


def test_downloads_go_to_the_warm_pool_cache_when_there_is_one() -> None:
    script = load_script()
    cache = "/opt/ml/sagemaker/warmpoolcache"
    environ = {"SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY": cache}
    assert script.cache_dir(environ) == f"{cache}/huggingface"
    assert script.cache_dir({}) is None
