"""MNIST-style Keras classifier for the TensorFlow 2.11 DLC (compiler built in).

Reads `train`/`test` channels of .npz files (`x`, `y` arrays) and saves a SavedModel to
`--model_dir`, the location the SDK's TensorFlow estimator passes.
"""

import argparse
import glob
import os

import numpy as np
import tensorflow as tf


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--model_dir", default="/opt/ml/model")
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--test", default=os.environ.get("SM_CHANNEL_TEST"))
    return parser.parse_args()


def load(channel: str) -> tuple[np.ndarray, np.ndarray]:
    arrays = [np.load(path) for path in sorted(glob.glob(os.path.join(channel, "*.npz")))]
    x = np.concatenate([a["x"] for a in arrays]).astype("float32") / 255.0
    y = np.concatenate([a["y"] for a in arrays])
    return x, y


def main() -> None:
    args = parse_args()
    x_train, y_train = load(args.train)
    x_test, y_test = load(args.test)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Flatten(input_shape=x_train.shape[1:]),
            tf.keras.layers.Dense(256, activation="relu"),
            tf.keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"test_loss={loss:.4f} test_accuracy={accuracy:.4f}")
    model.save(os.path.join(args.model_dir, "1"))


if __name__ == "__main__":
    main()
