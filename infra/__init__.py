"""The Badges CDK infrastructure: BadgesStack and the constructs it is composed of."""
