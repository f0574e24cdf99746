"""The local stack: a moto server for S3 and DynamoDB, and a gateway that calls the handler."""
