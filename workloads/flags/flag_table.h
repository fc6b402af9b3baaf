/* flag_table.h — internal: the embedded flag table (generated flag_table.c). */
#ifndef CFB_FLAG_TABLE_H
#define CFB_FLAG_TABLE_H
#include "flag_server.h"

extern const cfb_flag_info cfb__flag_table[CFB_FLAG_COUNT];

#endif
