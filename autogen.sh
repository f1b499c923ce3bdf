#!/bin/sh
# Generate configure and Makefile.in from a git checkout.
exec autoreconf -fi
