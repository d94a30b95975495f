"""Fine-tune a Hugging Face model for text classification on the Training Compiler DLC.

Runs on `huggingface-pytorch-trcomp-training` (transformers 4.21.1, PyTorch 1.11.0):
SageMaker passes hyperparameters as `--name value` and the compiler needs no code
change with `Trainer`, which saves through PyTorch/XLA. What helps the compiler: static
shapes (pad to `max_length`, drop the last partial batch), so XLA compiles one graph.

Model and dataset downloads go to the managed warm-pool cache when the job keeps a warm
pool (`SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY`), so the next run of the pool skips
them; without a pool they go to the container's default cache.

Locally (CPU, small): python train.py --model_name prajjwal1/bert-tiny --max_train_samples 64
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

WARM_POOL_CACHE_ENV = "SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY"
DEFAULT_MAX_LENGTH = 128


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The job's hyperparameters and SageMaker's directories."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model_name", default="bert-base-uncased")
    parser.add_argument("--dataset_name", default="imdb")
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--train_batch_size", type=int, default=24)
    parser.add_argument("--eval_batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=5e-5)
    parser.add_argument("--warmup_ratio", type=float, default=0.0)
    parser.add_argument("--max_length", type=int, default=DEFAULT_MAX_LENGTH)
    parser.add_argument("--max_train_samples", type=int, default=None)
    parser.add_argument("--max_eval_samples", type=int, default=1000)
    parser.add_argument("--model_dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--output_data_dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "output"))
    return parser.parse_args(argv)


def cache_dir(environ: dict[str, str] | None = None) -> str | None:
    """Where downloads are cached: inside the warm-pool cache when there is one."""
    root = (environ if environ is not None else os.environ).get(WARM_POOL_CACHE_ENV)
    return str(Path(root) / "huggingface") if root else None


def accuracy(prediction: Any) -> dict[str, float]:
    """`eval_accuracy` for the job's metric definition."""
    predicted = prediction.predictions.argmax(axis=-1)
    return {"accuracy": float((predicted == prediction.label_ids).mean())}


def main(args: argparse.Namespace) -> None:
    """Load, tokenize (static shapes), train, evaluate, save to the model directory."""
    # Imported here so `--help` and the tests work without the training stack.
    from datasets import load_dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        Trainer,
        TrainingArguments,
    )

    cache = cache_dir()
    dataset = load_dataset(args.dataset_name, cache_dir=cache)
    train = dataset["train"].shuffle(seed=42)
    evaluation = dataset["test"].shuffle(seed=42)
    if args.max_train_samples:
        train = train.select(range(min(args.max_train_samples, len(train))))
    if args.max_eval_samples:
        evaluation = evaluation.select(range(min(args.max_eval_samples, len(evaluation))))

    tokenizer = AutoTokenizer.from_pretrained(args.model_name, cache_dir=cache)

    def tokenize(batch: dict[str, Any]) -> Any:
        return tokenizer(
            batch["text"], padding="max_length", truncation=True, max_length=args.max_length
        )

    train = train.map(tokenize, batched=True)
    evaluation = evaluation.map(tokenize, batched=True)
    labels = train.features["label"].num_classes
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_name, num_labels=labels, cache_dir=cache
    )
    training_args = TrainingArguments(
        output_dir=args.output_data_dir,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.train_batch_size,
        per_device_eval_batch_size=args.eval_batch_size,
        learning_rate=args.learning_rate,
        warmup_ratio=args.warmup_ratio,
        dataloader_drop_last=True,  # static shapes: no recompilation for the last batch
        evaluation_strategy="epoch",
        save_strategy="no",
        logging_steps=50,
        report_to=[],
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train,
        eval_dataset=evaluation,
        tokenizer=tokenizer,
        compute_metrics=accuracy,
    )
    trainer.train()
    print(trainer.evaluate())  # the job's metric definitions read this line
    trainer.save_model(args.model_dir)


if __name__ == "__main__":
    main(parse_args())
