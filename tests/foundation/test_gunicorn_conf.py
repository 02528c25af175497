"""gunicorn.conf.py: a worker that has loaded the app freezes what it holds out of the garbage collector's scans."""
import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_loaded_worker_freezes_its_objects_out_of_the_collectors_scans():
    conf = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > 0, "the objects present once the app is loaded are frozen"
    finally:
        gc.unfreeze()
