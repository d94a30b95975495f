"""cdk-sagemaker-training: SageMaker training jobs as CDK constructs.

Importing the package is cheap: the CDK constructs, boto3 and sagemaker-core load only
from the modules that need them.
"""

__version__ = "0.1.0"
