"""Built-in metrics, one module per area; importing this package registers them."""

from rapport.metrics.builtin import (  # noqa: F401
    audience,
    community,
    consistency,
    content,
    conversions,
    engagement,
    promotion,
    reciprocity,
    retention,
    sentiment,
    timing,
)
