// Controller facts through libbluetooth and the kernel's HCI ioctls only: no HCI command goes to the
// controller, so nothing here can disturb bluetoothd. ioctl() is variadic and its request numbers are macros,
// neither of which Swift can call or see, hence these few inline helpers.
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/// Fills `out` with up to `max` controllers (HCIGETDEVLIST, then HCIGETDEVINFO for each). Returns how many,
/// or -errno: -EAFNOSUPPORT when the kernel has no Bluetooth, -EPERM/-EACCES when not allowed.
static inline int dho_hci_devices(struct hci_dev_info *out, int max) {
    int sock = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
    if (sock < 0) return -errno;
    struct hci_dev_list_req *list = calloc(1, sizeof(*list) + HCI_MAX_DEV * sizeof(struct hci_dev_req));
    if (!list) { close(sock); return -ENOMEM; }
    list->dev_num = HCI_MAX_DEV;
    if (ioctl(sock, HCIGETDEVLIST, (void *)list) < 0) {
        int error = errno;
        free(list);
        close(sock);
        return -error;
    }
    int count = 0;
    for (int index = 0; index < list->dev_num && count < max; index++) {
        out[count].dev_id = list->dev_req[index].dev_id;
        if (ioctl(sock, HCIGETDEVINFO, (void *)&out[count]) == 0) count++;
    }
    free(list);
    close(sock);
    return count;
}

static inline int dho_hci_is_up(const struct hci_dev_info *info) { return hci_test_bit(HCI_UP, &info->flags) != 0; }
static inline int dho_hci_is_running(const struct hci_dev_info *info) { return hci_test_bit(HCI_RUNNING, &info->flags) != 0; }
/// LMP feature "LE Supported (Controller)": byte 4, bit 6 (Core spec, Vol 2, Part C, 3.3).
static inline int dho_hci_supports_le(const struct hci_dev_info *info) { return (info->features[4] & LMP_LE) != 0; }
static inline int dho_hci_bus(const struct hci_dev_info *info) { return info->type & 0x0f; }
