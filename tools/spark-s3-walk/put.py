# uploads a local folder to s3://BUCKET/PREFIX on moto at ENDPOINT (creates the bucket)
import os, sys, boto3
endpoint, bucket, local, prefix = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id='k', aws_secret_access_key='s', region_name='us-east-1')
try: s3.create_bucket(Bucket=bucket)
except Exception as e: pass
if os.path.isfile(local):
    s3.upload_file(local, bucket, prefix)
else:
    for d, _, fs in os.walk(local):
        for f in fs:
            p = os.path.join(d, f); s3.upload_file(p, bucket, prefix + '/' + os.path.relpath(p, local))
