"""What the tests share: the deployed stack, the Adobe bodies, the flow readers and the
invalid-request corpus."""
