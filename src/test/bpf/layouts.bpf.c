/* SPDX-License-Identifier: GPL-2.0 */
/* Puts every struct of filewall.h into BTF for LayoutsBtfTest, until it reads harness.bpf.o. */
#include "vmlinux.h"
#include "filewall.h"
#include "config.h"
#include "event.h"

struct fw_query layouts_query;
struct fw_table_hdr layouts_table_hdr;
struct fw_group layouts_group;
struct fw_ctl layouts_ctl;
struct fw_block layouts_block;
struct fw_stats layouts_stats;
struct fw_config layouts_config;
struct fw_counters layouts_counters;
struct fw_event layouts_event;
