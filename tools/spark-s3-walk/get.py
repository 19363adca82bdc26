import sys, boto3
endpoint, bucket, key, local = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id='k', aws_secret_access_key='s', region_name='us-east-1')
if key.endswith('/'):
    for o in s3.list_objects_v2(Bucket=bucket, Prefix=key).get('Contents', []): print(o['Key'], o['Size'])
else:
    s3.download_file(bucket, key, local)
