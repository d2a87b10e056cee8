"""What runs inside a job: the RuntimeContext (``srtctl.runtime.context``) and the in-job machinery."""
