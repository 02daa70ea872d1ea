# moto_server, with DynamoDB item writes made atomic as they are in DynamoDB.
#
# moto checks a write's condition and then applies it without a lock, so two concurrent
# conditional writes on one item can both pass (two organisers confirming at once would both
# "win"). DynamoDB serialises writes to an item; holding one lock around every item write gives the
# local endpoint the same guarantee.
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_item_writes = threading.RLock()


def _atomic(write):
    @functools.wraps(write)
    def locked(*args, **kwargs):
        with _item_writes:
            return write(*args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

# A write's answer (ReturnValues) is read from the live item after the backend returns: the whole
# request holds the lock too, or two concurrent ADDs on a counter can both answer the later value.
for _name in ("put_item", "update_item", "delete_item"):
    setattr(DynamoHandler, _name, _atomic(getattr(DynamoHandler, _name)))

sys.exit(main(sys.argv[1:]))
