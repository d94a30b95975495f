"""`python -m cdk_sagemaker_training`."""

import sys

from cdk_sagemaker_training.cli import main

sys.exit(main())
