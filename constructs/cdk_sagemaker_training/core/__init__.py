"""Pure job-definition core: no aws_cdk, no AWS calls."""
