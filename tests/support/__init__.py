"""What the tests share: the deployed stack, the Adobe bodies, the flow readers, Lambda's context
and the invalid-request corpus."""
