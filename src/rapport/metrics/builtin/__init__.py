"""Built-in metrics, one module per area; importing this package registers them."""

from rapport.metrics.builtin import (  # noqa: F401
    community,
    consistency,
    conversions,
    engagement,
    promotion,
    reciprocity,
)
