"""Appeals (诉求) come in the next issue."""
