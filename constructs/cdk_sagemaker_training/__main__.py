"""`python -m cdk_sagemaker_training`."""

import sys

from .cli import main

sys.exit(main())
