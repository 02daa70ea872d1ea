# moto_server as the local stack runs it, with two changes to moto's behaviour.
#
# 1. DynamoDB item writes are atomic, as they are in DynamoDB: moto checks a write's condition and then applies it without a lock, so two concurrent
# conditional writes on one item can both pass (two organisers confirming at once would both
# "win"). DynamoDB serialises writes to an item; holding one lock around every item write gives the
# local endpoint the same guarantee.
import functools
import sys
import threading

from moto.core.common_models import BaseModel
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

# 2. Only SES's models are kept for /moto-api/data.json. moto appends every model instance it ever
# makes to a list for that page and never lets go: every stored DynamoDB item version and every
# stream shard iterator (one per GetRecords poll, ~15 a second while idle). After a load run the
# page took seconds to build and moto's memory only grew. The local stack reads that page for sent
# mail only (and answers it as a liveness check).
_TRACKED_SERVICES = frozenset({"ses", "sesv2"})


def _new_model(cls, *args, **kwargs):
    instance = object.__new__(cls)
    if cls.__module__.split(".")[1] in _TRACKED_SERVICES:
        cls.instances_tracked.append(instance)
    return instance


BaseModel.__new__ = staticmethod(_new_model)

sys.exit(main(sys.argv[1:]))
