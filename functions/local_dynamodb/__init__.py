"""The project's model of DynamoDB for `make run` and the tests: moto as the engine, plus the rules of DynamoDB
the service relies on, each in a module of its own that cites the developer guide section it models:

- engine: a transaction costs the items it touches, not the table;
- partitions: a Query reads its partition, not the table;
- storage: a table holds its items and nothing else, each compacted, so a process keeps 100,000s of them;
- expressions: an expression string is lexed or parsed once, not on every use;
- idempotency: a TransactWriteItems repeated with its ClientRequestToken within 10 minutes is applied once;
- contention: a write holds its items while in flight; an overlapping transaction or write is refused;
- throughput: one item takes about 1,000 write units a second, then its writes are throttled;
- items: which item a request addresses, its size and its write units;
- wire: every refusal in DynamoDB's own error format;
- threads: an in-process mock takes one request at a time, as moto is not thread-safe.

model.LocalDynamoDB puts them in front of moto; server.EmbeddedAWS serves it on loopback, and to this process's
boto3 clients without a socket.
"""


def install_engine() -> None:
    """moto's DynamoDB in this process, in-process mocks included, as the model's engine: transactions that cost
    the items they touch (engine), a store that keeps only its items, compacted (storage), queries that read
    one partition (partitions), expressions read once (expressions), one request at a time (threads)."""
    from local_dynamodb import engine, expressions, partitions, storage, threads

    engine.install()
    expressions.install()
    storage.install()
    partitions.install()
    threads.install()
