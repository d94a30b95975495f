"""Service Quotas checks for training jobs (boto3); no aws_cdk imports.

The deploy-time guard's Lambda runs these modules as they are, so they may import only
the standard library, boto3/botocore and the pure spec modules they need.
"""
