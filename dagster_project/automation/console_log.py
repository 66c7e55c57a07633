"""The console log of a run: Dagster's own, but a data error is its message, not a stack trace.

A data error (a bad landing file, a rejected share above the limit, a malformed CRM mapping, the
warehouse held by another run) is raised as `dg.Failure` or one of the named errors below; its
message names the file, line and field, and the stack under it only tells a person which of our
functions noticed. Other exceptions (bugs) keep their stack trace.
"""

from __future__ import annotations

import logging
import re

import dagster as dg

# An event message about a data error: Dagster writes the error's class, then its message.
_DATA_ERROR = re.compile(
    r"\b(events\.Failure|WarehouseBusy|ConfigFileError|LandingLayoutError|ExtractionError): "
)
_STACK = "\n\nStack Trace:"


def without_data_error_stack(message: str) -> str:
    """A data error's message without the stack under it; any other message as it is."""
    if _STACK in message and _DATA_ERROR.search(message):
        return message[: message.index(_STACK)]
    return message


class _NoStackForDataErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = without_data_error_stack(str(record.msg))
        return True


@dg.logger(
    dg.colored_console_logger.config_schema,
    description="Dagster's console log, without the stack trace of a data error.",
)
def console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = dg.colored_console_logger.logger_fn(init_context)
    # On the handlers: Dagster hands records to a logger's handlers, past the logger's filters.
    for handler in logger.handlers:
        handler.addFilter(_NoStackForDataErrors())
    return logger
