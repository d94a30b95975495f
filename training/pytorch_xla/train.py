"""Synthetic-data classifier for PyTorch/XLA on the Training Compiler DLC (PyTorch 1.13.1).

Launched by SageMaker with `distribution: {pytorchxla: {enabled: true}}`: one process per
GPU, every node. Saves with `xm.save`, as the compiler requires, to the model directory.
"""

import argparse
import os

import torch
import torch_xla.core.xla_model as xm
import torch_xla.distributed.parallel_loader as pl


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--model_dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    return parser.parse_args()


def synthetic_loader(batch_size: int, steps: int = 200) -> torch.utils.data.DataLoader:
    generator = torch.Generator().manual_seed(xm.get_ordinal())
    features = torch.randn(batch_size * steps, 784, generator=generator)
    labels = (features.sum(dim=1) > 0).long()
    dataset = torch.utils.data.TensorDataset(features, labels)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, drop_last=True)


def main() -> None:
    args = parse_args()
    device = xm.xla_device()
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 2)
    ).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        loader = pl.MpDeviceLoader(synthetic_loader(args.batch_size), device)
        for features, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(features), labels)
            loss.backward()
            xm.optimizer_step(optimizer)  # all-reduces gradients across workers
        xm.master_print(f"epoch={epoch} loss={loss.item():.4f}")
    xm.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    main()
