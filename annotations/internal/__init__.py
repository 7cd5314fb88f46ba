"""Private helpers of the annotations package."""
