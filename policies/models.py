"""The policy catalogue (政策清单) comes in a later issue."""
