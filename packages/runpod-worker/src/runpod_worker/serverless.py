"""`runpod.serverless`'s names, so that `import runpod_worker as runpod` is the whole migration.

```python
import runpod_worker as runpod          # was: import runpod

runpod.serverless.start({"handler": handler})
```
"""

from ._progress import progress_update as progress_update
from ._worker import start as start

__all__ = ("progress_update", "start")
