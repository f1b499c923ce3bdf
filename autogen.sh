#!/bin/sh
# SPDX-License-Identifier: ISC
# Generate configure and Makefile.in from a git checkout.
exec autoreconf -fi
