/* socket client: filled in below */
